// Package rollout generates and runs the host-side rollout script: the shell
// program that swaps the service to a new image on one host with zero failed
// requests, or rolls it back to the previous image.
//
// The host runs nginx on the public port in front of two version slots, blue
// and green: containers on their own network (docker's bridge on EC2, so
// that the instance role is out of reach), each published on a loopback
// port, with a read-only root, no capabilities, no privilege gain, memory
// and process limits, and the app's credentials mounted read-only. A rollout
// pulls the new image by digest before touching anything, starts it in the
// free slot, waits until the slot answers 200 on /health and /db/status,
// points nginx at it with a graceful reload, drains, and stops the old
// container with SIGTERM. A version that never becomes healthy is removed and
// never takes traffic. A host-wide flock stops two rollouts from interleaving.
// The state (current image and slot, previous image) lives in a directory on
// the host, so that a rollback needs no input but the host.
//
// The script is built from Params by Render (pure: tests assert its
// variables and run shellcheck on it) and run either through SSM Run Command
// (package ssmrun) or locally by simhost.Run, which is what tests and the local
// flow use with podman playing the host's Docker. Its last output line is
// "GANGWAY_RESULT {json}", read by hostresult.Parse.
package rollout
