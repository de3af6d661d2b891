// Frontline's plotly.js: only the trace types the figure builders (*/charts.py) produce,
// and the zh-CN locale. scatter is part of the core. A builder that starts using another
// trace type must be added here (tests/home/test_plotly_bundle.py fails until it is).
var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/heatmap'),
    require('plotly.js/lib/histogram'),
    require('plotly.js/lib/scatterpolar'),
    require('plotly.js/lib/locales/zh-cn')
]);

module.exports = Plotly;
