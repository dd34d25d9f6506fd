"use strict";
module.exports = require("./forward")("provisioning");
