"""Login safety: the client's address behind the proxy, the lockout after failed logins
(django-axes) and the login audit log (`balie.security`)."""
