"""The ``homecloud`` command (:mod:`homecloud.cli.main`): common helpers in
:mod:`~homecloud.cli.common`, one module per command group. Kept empty so that a face's
``cli.py`` can import the helpers without loading every face's commands."""
