"""Realtime fan-out: SignalR hub protocol, webhook outbox and delivery, event-bus back ends."""
