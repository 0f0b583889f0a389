"""The program side: the ``ImsCallbacks`` component, its regions and the ``ims`` resources.

``__main__.py`` declares it from the stack config; the provider builds it for ``Construct``.
"""
