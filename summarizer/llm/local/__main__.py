"""`python -m summarizer.llm.local LIFELINE_FD COMMAND...`: the process the embedded server runs in."""

import sys

from .child import child_main

if __name__ == "__main__":
    child_main(sys.argv[1:])
