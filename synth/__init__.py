"""Synthetic reports for tests, benchmarks, the portal simulator and ``xxgk demo``.

Not part of reading reports: nothing in ``parsers/`` imports this package, and the product
modules of ``pipeline/`` and ``scrapers/`` do not either (only the portal simulator and the
demo, which serve generated reports). The layers, lowest first::

    parsers  <-  synth  <-  scrapers.simulator  <-  pipeline.demo

* `synth.generator`: random, valid reports (2019, 2021 and, by name, pre-2019) as scraped
  text in every flattening style, with the values they state;
* `synth.generator_pre2019`: the pre-2019 side of the generator;
* `synth.render_forms`: the same values as an HTML page or a DOCX file with real merged cells;
* `synth.render_pdf`: the same values as a PDF (needs reportlab: ``pip install 'xxgk[synth]'``).

Everything is driven by one ``random.Random``: a seed gives the same report, byte for byte.
"""
