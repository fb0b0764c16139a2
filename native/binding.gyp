{
  "targets": [
    {
      "target_name": "socket_relay",
      "sources": ["socket_relay.c"],
      # Node-API is ABI-stable across Node lines: built against version 8 (the
      # headers' default, pinned here), one build loads in Node 20 and 24 alike.
      # A build for a newer version than the running Node has is not refused
      # cleanly: Node 20 crashes loading a version-10 build.
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=gnu11"],
      "conditions": [["OS!='linux'", {"type": "none"}]]
    }
  ]
}
