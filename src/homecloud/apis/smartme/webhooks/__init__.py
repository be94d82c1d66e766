"""smart-me's realtime (webhook) API: users register receivers (``RegisterForRealtimeApi``);
every new reading of a registered meter is written to an outbox in the transaction that
stores it (:func:`enqueue_deliveries`, called by ``service.record_readings``) and POSTed by
delivery workers as a protobuf ``DeviceDataArray``, durably, in order, with retries.

Modules: ``models`` and ``repository`` (tables, SQL), ``outbox`` (writing deliveries),
``payload`` (the protobuf body, with ``vendor``: protoc's ``RealtimeApi_pb2``/``bcl_pb2`` from
the published ``.proto`` files in ``proto/``), ``worker`` and ``sender`` (delivery),
``receivers`` (which URLs and addresses may be called), ``secrets`` (receivers' passwords
sealed), ``registrations`` and ``schemas`` (the API's rules and shapes), ``wiring`` (how the
face starts it all), ``cli``.
"""

from homecloud.apis.smartme.webhooks.outbox import enqueue_deliveries

__all__ = ["enqueue_deliveries"]
