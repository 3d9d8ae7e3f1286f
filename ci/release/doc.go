// Package release records an environment's current release where a
// booting host reads it: the image digest in one SSM parameter and the
// rendered rollout script, as base64 of its gzip, in another (terraform's
// outputs image_parameter and rollout_script_parameter; the host's
// boot.sh in terraform/templates/user_data.sh.tftpl reads both at every
// boot). The rollout writes them before it touches any host, so that a host
// the Auto Scaling group adds during or after the rollout serves the new
// release, not "none" or the one before.
//
// Building the requests (putInputs, encodeScript) is pure and separate
// from sending them (Write).
package release
