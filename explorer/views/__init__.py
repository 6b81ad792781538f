"""Reading a response: annotations, code export, logprobs, charts (data in, data out).

annotate.py            every response field with its meaning and Python access path
codegen.py             a request as Python (SDK, httpx) and curl
logprobs.py            tokens with their probabilities, surprisal and entropy
charts.py              usage charts and the shared chart style
compare_charts.py      the charts of Compare and Sweep
probability_charts.py  the charts of Logprobs and the Sampling Lab
"""
