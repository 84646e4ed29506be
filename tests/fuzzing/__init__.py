"""The fuzz test's machinery (tests/test_fuzz.py): the app's routes as it declares them (routes.py), hostile
and honest values (values.py), whole requests made of them (requests.py), a browser that sends them as a
persona (browser.py), and how they go on the wire (wire.py). Nothing here names a route of Carnet."""
