"use strict";
module.exports = require("./forward")("project");
