"""Talking to an endpoint: the client, its errors and the words for them, endpoints.

client.py        ChatClient: JSON and server-sent events, retries, typed answers
accumulate.py    a stream's chunks joined into the ChatCompletion it stands for
errors.py        the exception tree (named as in openai-python)
error_map.py     which error a failed response or transport failure becomes
faults.py        every sentence a page shows about a failure or a retry
redaction.py     keys kept out of messages, history and links
endpoints.py     endpoint profiles (embedded, OpenAI, custom, deployment), Test connection
local_servers.py popular local servers and their default ports (presets, hints)
server_probe.py  what a server really does with a few parameters
server_notes.py  what the server did that the request did not ask for, in words
tokenizers.py    the endpoint's tokenizer (its /tokenize route, or tiktoken offline)
"""
