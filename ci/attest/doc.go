// Package attest makes and checks the record that an image passed the
// integration gate: the proof that prod requires before it promotes a
// digest.
//
// After the gate passes on test, the test deploy identity signs a Record
// (the image's digest and repository, the result, the revision and the run)
// with an asymmetric KMS key that only it may use, and stores the signed
// envelope next to the image, in the test repository, under the tag
// sha256-<hex>.gate. Prod fetches that envelope and verifies it with the
// key's public half, pinned in its configuration, before anything else:
// an image that failed its gate, was never tested, or was pushed by anyone
// else carries no valid record and is refused, including a digest typed into
// a workflow_dispatch form.
//
// The envelope is DSSE (in-toto's Dead Simple Signing Envelope): the
// signature covers the payload type and the payload (its pre-authentication
// encoding), so a signature over anything else never verifies as a gate
// record.
package attest
