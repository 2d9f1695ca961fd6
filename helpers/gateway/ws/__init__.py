"""WebSocket APIs (reference §9): connections, route selection, events, the @connections
management API and the localhost WebSocket server.

The data plane runs one pipeline for every WebSocket event (CONNECT, MESSAGE, DISCONNECT,
see :data:`helpers.gateway.pipelines.WEBSOCKET`); this package holds what only WebSocket
APIs have: the live connections and the server that carries their frames.
"""
