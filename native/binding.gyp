{
  "targets": [
    {
      "target_name": "socket_relay",
      "sources": ["socket_relay.c", "line_ends.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=gnu11"],
      "conditions": [["OS!='linux'", {"type": "none"}]]
    }
  ]
}
