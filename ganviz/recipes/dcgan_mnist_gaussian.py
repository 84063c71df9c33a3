"""models/dcgan_mnist_gaussian: round 4 of ``dcgan_mnist`` alone — the same nets with z ~ N(0, I), kept for the
latent page's lerp vs slerp and its in-between digits (``python -m ganviz reproduce dcgan_mnist_gaussian``)."""
from ganviz.recipes import Recipe
from ganviz.recipes.dcgan_mnist import RECIPES as MNIST

RECIPES = (Recipe("dcgan_mnist_gaussian", "DCGAN · MNIST, Gaussian latent", stages=MNIST[0].stages[:1],
                  notes=__doc__),)
