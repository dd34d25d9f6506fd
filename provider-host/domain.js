"use strict";
module.exports = require("./forward")("domain");
