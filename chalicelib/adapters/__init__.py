"""Adapters: DynamoDB repositories, the idempotency store, clock and ids."""
