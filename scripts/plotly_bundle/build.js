// Bundles index.js as plotly.js's own build does (esbuild, IIFE exposing window.Plotly, CSS inlined, ES2016),
// minified, licences kept at the end; writes ../../static/plotly-ganviz.min.js (the app's static folder).
const path = require('path');
const esbuild = require('esbuild');
const { environmentPlugin } = require('esbuild-plugin-environment');
const InlineCSSPlugin = require('esbuild-plugin-inline-css');
const version = require('plotly.js/package.json').version;

esbuild.build({
    entryPoints: [path.join(__dirname, 'index.js')],
    outfile: path.join(__dirname, '..', '..', 'static', 'plotly-ganviz.min.js'),
    format: 'iife',
    globalName: 'Plotly',
    bundle: true,
    minify: true,
    legalComments: 'eof',
    banner: { js: `/** plotly.js (ganviz: scatter, bar, heatmap - minified) v${version} | MIT licence (LICENSE-plotly.js.txt) */` },
    footer: { js: 'window.Plotly = Plotly;' },
    plugins: [InlineCSSPlugin(), environmentPlugin({ NODE_DEBUG: false })],
    define: { global: 'window', 'define.amd': 'false' },
    target: 'es2016',
    logLevel: 'warning'
}).catch(() => process.exit(1));
