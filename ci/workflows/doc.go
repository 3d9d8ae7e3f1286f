// Package workflows reads the repository's GitHub Actions workflows
// (.github/workflows/test.yml and prod.yml) and checks the gates that keep
// them safe: least privilege, pinned actions, no untrusted expression in a
// script, the guards of the workflow_run trigger, one production deploy at a
// time behind the production environment, and prod deploying exactly the
// digest that test published. Its tests run the checks on the real files and
// prove that removing any gate fails them.
package workflows
