"""One package per vendor API. Each face registers its factory in ``homecloud.app``."""
