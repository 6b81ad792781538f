"""The API itself: its models (OpenAI's names), the parameter catalog, what errors mean.

    models.py           pydantic models of requests and responses (re-exported here:
                        `from explorer.api import ChatCompletionRequest`)
    catalog.py          every request parameter and response field: ranges, docs, demos
    sentences.py        the one translator from validation errors to sentences
    extensions.py       what the embedded engine adds to the API, explained once
    tool_round_trip.py  a tool call proposed, answered and sent back

Nothing here talks to a server; the embedded engine validates with the same models.
"""

from .models import *  # noqa: F403
from .models import __all__ as __all__
