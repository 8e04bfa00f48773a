"""Use cases. They take their repositories as arguments and know nothing of HTTP or boto3."""
