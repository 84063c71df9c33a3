'use strict';
// plotly.js core (scatter, the cartesian axes, legend, hover, shapes, annotations, colour bars) with the two other
// trace types ganviz draws; tests/app/test_live_chart.py checks every figure of the app uses only these.
var Plotly = require('plotly.js/lib/core');

Plotly.register([require('plotly.js/lib/bar'), require('plotly.js/lib/heatmap')]);

module.exports = Plotly;
