"""The embeddable Web Components (static/) and the demo workspace page that shows them all."""
