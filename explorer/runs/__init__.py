"""Running requests and keeping them: bounds, the runner, comparisons, sweeps, links, history.

bounds.py    the app's bounds on what a form or a link may ask for (one table)
runner.py    one request, streamed or whole, retries reported, a failure explained
compare.py   a base request and 2 to 4 variants, run at once and measured
sweep.py     one parameter over a range, k samples at each value
metrics.py   the measures (mean logprob, perplexity, distinct-n, repetition)
share.py     a comparison or sweep as a link, and back
history.py   every run stored, so a link can show it again
"""
