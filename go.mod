module github.com/gangway-dev/gangway

go 1.26
