"""smart-me's realtime API messages: protoc's output for the vendor's published ``.proto``
files (``proto/bcl.proto``, ``proto/RealtimeApi.proto``).

Generated, never edited by hand: ``python proto/generate.py`` writes these modules again, and
tests/apis/smartme/webhooks/test_payload.py decodes with modules made afresh by protoc.
"""
