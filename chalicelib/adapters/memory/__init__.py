"""The services' ports in memory: the same rules as the DynamoDB adapters (conditions, counters,
order of listings), kept in one `MemoryStore` as the stage keeps everything in one table.

For the services' unit tests (tests/unit/services/), which run in seconds without Java; a
contract test runs the same cases against these and the DynamoDB adapters
(tests/integration/test_repository_contracts.py), so the two cannot drift apart.
"""
