"""The build's stages, in order: ``curated`` (read, map, gate), ``contracts`` (DECP, with
``--decp``), ``describe`` (VoID, catalogue, summary, manifest), run by ``build``'s
``build_and_release``; ``options`` says what a build is asked, ``files`` writes and
re-reads the build folder's files.
"""
