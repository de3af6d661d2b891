// Builds ../../static/plotly/plotly-frontline.min.js (committed; served by whitenoise).
// Usage: npm ci && npm run build   (Node 20+; nothing here runs in production)
'use strict';
const path = require('path');
const esbuild = require('esbuild');
const version = require('plotly.js/package.json').version;

esbuild.buildSync({
    entryPoints: [path.join(__dirname, 'entry.js')],
    outfile: path.join(__dirname, '..', '..', 'static', 'plotly', 'plotly-frontline.min.js'),
    bundle: true,
    minify: true,
    format: 'iife',
    globalName: 'Plotly',
    target: 'es2016',
    // As plotly.js's own build (esbuild-config.js); maplibre's CSS is only for map traces.
    define: { global: 'window', 'define.amd': 'false' },
    loader: { '.css': 'empty' },
    legalComments: 'none',
    banner: {
        js: `/*! plotly.js v${version} partial bundle for Frontline (core, scatter, bar, heatmap, ` +
            'histogram, scatterpolar; locale zh-CN). Copyright 2012-2026 Plotly, Inc. MIT License: ' +
            'https://github.com/plotly/plotly.js/blob/master/LICENSE. Built by site/home/plotly_bundle. */'
    },
    logLevel: 'info'
});
