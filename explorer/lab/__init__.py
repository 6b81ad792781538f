"""The Sampling Lab's logic and the logit_bias editor.

sampling_lab.py  one next-token distribution, reshaped by the engine's own steps
logit_bias.py    words or token ids -> a logit_bias object, with what each token is
"""
