"""The smart-me resources, one module per resource. Paths are declared in lower case at the
legacy host's ``/api/<name>`` (see :mod:`..routing`); the OpenAPI document shows them in
smart-me's PascalCase."""
