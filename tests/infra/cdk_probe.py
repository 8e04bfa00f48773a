"""Stands in for the CDK CLI in tests/infra/test_operator_commands.py: prints the arguments and
the region and the stages to synthesize it was given, as JSON."""

import json
import os
import sys

print(
    json.dumps(
        [
            sys.argv[1:],
            os.environ.get("AWS_REGION"),
            os.environ.get("AWS_DEFAULT_REGION"),
            os.environ.get("SYNTH_STAGES"),
        ]
    )
)
