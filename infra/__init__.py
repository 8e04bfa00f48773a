"""Infrastructure: the CDK app (app.py, stack.py) and the local stack (local/)."""

import os

# jsii prints a banner about older Node.js majors on every CDK import (the value lists the
# majors to keep quiet about); the synth itself works on them.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "18,20")
