"""The Django shell around the core: settings, urls, and the apps that store, serve and render.

The core decides, the shell stores: views parse a request, call one service, and render.
"""
