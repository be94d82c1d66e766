"""Physical models that simulated devices share: clocks, room heat, weather, relays.

Nothing here knows a vendor: a face builds its devices' behaviour on these models.
"""
