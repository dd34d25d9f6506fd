"use strict";
module.exports = require("./forward")("service");
