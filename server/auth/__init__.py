"""Who a person is and how she proves it: accounts, passkeys, sessions, the CSRF check, limits on attempts."""
