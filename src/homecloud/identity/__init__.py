"""The OAuth2 / OpenID Connect provider behind every face's sign-in.

One account system, one client registry, one store of codes, tokens and keys; each face gets
an issuer profile (``profiles``) that reproduces its vendor's endpoints, token format, lifetimes
and error bodies. Resource routes only call :func:`homecloud.identity.authenticate.authenticate`.
"""
