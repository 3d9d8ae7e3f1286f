# shellcheck shell=bash
# Sourced by scripts that run terraform with the offline provider mirror.
# The same rule as the Go package ci/tfmirror (its test holds the two
# together): $TF_PROVIDER_MIRROR when it is set, else the first of
# TF_MIRROR_CANDIDATES that holds hashicorp/aws.
#
# tf_mirror prints the mirror directory, or fails printing nothing when
# there is none. tf_mirror_has DIR says whether DIR holds hashicorp/aws (a
# version for a platform). tf_mirror_config MIRROR FILE writes a terraform
# CLI configuration (for TF_CLI_CONFIG_FILE) that installs every provider
# from MIRROR only.

TF_MIRROR_CANDIDATES=(/opt/tf-plugins /usr/share/terraform/plugins /usr/local/share/terraform/plugins)

tf_mirror_has() {
  compgen -G "$1/registry.terraform.io/hashicorp/aws/*/*" >/dev/null
}

tf_mirror() {
  if [ -n "${TF_PROVIDER_MIRROR:-}" ]; then
    echo "$TF_PROVIDER_MIRROR"
    return 0
  fi
  local dir
  for dir in "${TF_MIRROR_CANDIDATES[@]}"; do
    if tf_mirror_has "$dir"; then
      echo "$dir"
      return 0
    fi
  done
  return 1
}

tf_mirror_config() {
  printf 'provider_installation {\n  filesystem_mirror {\n    path = "%s"\n  }\n}\n' "$1" >"$2"
}
