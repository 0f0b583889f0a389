"""The native ``ims`` Pulumi resource provider (``pulumi.provider.experimental``).

``server`` serves it over gRPC, ``provider`` dispatches each RPC by type token to
``event_callback`` or ``callback_queue``, ``component`` builds the ``ImsCallbacks`` component
for programs in other languages, and ``schema`` describes all of them.
"""
