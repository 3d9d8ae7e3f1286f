# tflint with its bundled terraform ruleset only (no plugin downloads here).
config {
  call_module_type = "local"
}

plugin "terraform" {
  enabled = true
  preset  = "all"
}
