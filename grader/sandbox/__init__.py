"""The host side of the sandbox: the container spec, the image build and running a grading."""
