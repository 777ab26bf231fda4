# functions/render_pdf as a Lambda container image: WeasyPrint needs Pango (with HarfBuzz) and
# fontconfig, which the zip runtime lacks. Built by `cdk deploy` (cdk-assets runs docker build)
# from a context that infra/packaging.py (image_context) stages: functions/render_pdf/requirements.txt,
# chalicelib/, functions/{__init__.py,render_pdf/,public_viewer/} and this file. Synth never builds it.
FROM public.ecr.aws/lambda/python:3.12

# Amazon Linux 2023: Pango >= 1.44 with HarfBuzz, fontconfig, and a fallback font family (the
# invoice template ships its own Noto Sans subset in chalicelib/invoices/pdf/fonts/).
RUN dnf install -y pango harfbuzz fontconfig dejavu-sans-fonts \
    && dnf clean all && rm -rf /var/cache/dnf \
    && fc-cache -fs
# fc-cache above builds the system font cache into the image, so a cold start does not scan fonts.

# The same pins as everywhere: functions/render_pdf/requirements.txt is a complete lock (the API's
# packages at the API's versions plus WeasyPrint's), every file checked against its hash.
COPY functions/render_pdf/requirements.txt /build/requirements.txt
RUN pip install --no-cache-dir --require-hashes -r /build/requirements.txt \
        --target "${LAMBDA_TASK_ROOT}" \
    && rm -rf /build
# Without libharfbuzz-subset WeasyPrint falls back to fontTools' subsetter (+55 % render CPU):
# fail the image build instead of shipping a slow renderer.
RUN cd "${LAMBDA_TASK_ROOT}" && python3 -c "from weasyprint.text.ffi import harfbuzz_subset; assert harfbuzz_subset is not None, 'libharfbuzz-subset missing'"

COPY chalicelib/ ${LAMBDA_TASK_ROOT}/chalicelib/
COPY functions/__init__.py ${LAMBDA_TASK_ROOT}/functions/__init__.py
COPY functions/render_pdf/ ${LAMBDA_TASK_ROOT}/functions/render_pdf/
# The public viewer rides in this image (its function overrides CMD: infra/components/viewer.py).
COPY functions/public_viewer/ ${LAMBDA_TASK_ROOT}/functions/public_viewer/

# Fontconfig needs a writable cache directory; only /tmp is writable in Lambda.
ENV XDG_CACHE_HOME=/tmp/.cache

CMD ["functions.render_pdf.handler.lambda_handler"]
