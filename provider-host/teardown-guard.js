"use strict";
module.exports = require("./forward")("teardown-guard");
