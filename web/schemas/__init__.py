"""The JSON API's request and response models, one module per area of the API.

``common`` holds the error body, the three model bases (request bodies, query strings, answers) and the
shapes several areas share; ``records``, ``jobs``, ``dispatch``, ``coverage``, ``posture`` and ``drills``
hold the models of their routes. The OpenAPI document is generated from these models and every request
is validated against them before a view runs (``web.openapi``). Models only: no Flask, no store.
"""
