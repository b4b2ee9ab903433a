"""Code that runs inside the sandbox container: supervisor, trusted test runner and worker."""
