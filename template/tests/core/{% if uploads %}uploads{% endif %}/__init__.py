# Managed by the service standard (copier update): put your own tests outside tests/core/.
