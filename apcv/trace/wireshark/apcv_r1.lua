-- apcv_r1.lua: names the APCV-R1 commands in Wireshark and tshark.
--
-- apcv-hil traces (pcapng, link type ISO 14443) carry APDUs in ISO 14443-4 I-blocks.
-- Wireshark names the ISO 7816 commands it knows (SELECT, READ BINARY...) and shows the
-- R1 ones as "Unknown instruction". This post-dissector adds an "APCV-R1" tree to every
-- APDU frame and sets the Info column: the command's name and header, or the status word
-- of the answer, its meaning and the command it answers.
--
--   tshark -X lua_script:docs/wireshark/apcv_r1.lua -r trace.pcapng
--   tshark -X lua_script:docs/wireshark/apcv_r1.lua -r trace.pcapng -Y 'apcv_r1.command == "ESTABLISH SESSION"'
--
-- For Wireshark, copy the file into the personal Lua plugins folder
-- (Help > About Wireshark > Folders > Personal Lua Plugins) and restart.

local apcv = Proto("apcv_r1", "APCV-R1 (appli carte Vitale reference profile)")

local f_command = ProtoField.string("apcv_r1.command", "Command")
local f_cla = ProtoField.uint8("apcv_r1.cla", "CLA", base.HEX)
local f_ins = ProtoField.uint8("apcv_r1.ins", "INS", base.HEX)
local f_p1 = ProtoField.uint8("apcv_r1.p1", "P1", base.HEX)
local f_p2 = ProtoField.uint8("apcv_r1.p2", "P2", base.HEX)
local f_sw = ProtoField.uint16("apcv_r1.sw", "Status word", base.HEX)
local f_meaning = ProtoField.string("apcv_r1.meaning", "Meaning")
local f_answers = ProtoField.string("apcv_r1.answers", "Answer to")
apcv.fields = { f_command, f_cla, f_ins, f_p1, f_p2, f_sw, f_meaning, f_answers }

local event_field = Field.new("iso14443.event")
local resp_to_field = Field.new("iso14443.resp_to")

local PCD_TO_PICC, PICC_TO_PCD = 0xFA, 0xFB
local PSEUDO_HEADER = 4
local band = (bit and bit.band) or bit32.band  -- Wireshark ships LuaBitOp as "bit"

-- The APDU of an I-block: after the pseudo-header, the PCB and, when flagged, CID and NAD.
-- (Read from the frame itself: Wireshark 4.0 cuts the INF field of frames over 256 bytes.)
local function apdu_of(tvb)
  if tvb:len() <= PSEUDO_HEADER then return nil end
  local pcb = tvb(PSEUDO_HEADER, 1):uint()
  if band(pcb, 0xC0) ~= 0 then return nil end  -- R- and S-blocks carry no APDU
  local offset = PSEUDO_HEADER + 1
  if band(pcb, 0x08) ~= 0 then offset = offset + 1 end
  if band(pcb, 0x04) ~= 0 then offset = offset + 1 end
  if tvb:len() <= offset then return nil end
  return tvb(offset)
end

-- R1's own instructions (proprietary class 80) and the ISO 7816-4 ones R1 uses.
local INSTRUCTIONS = {
  [0x50] = "ESTABLISH SESSION",
  [0x52] = "GET PRESENTATION",
  [0xA4] = "SELECT",
  [0xB0] = "READ BINARY",
  [0xC0] = "GET RESPONSE",
}

local STATUS_WORDS = {
  [0x9000] = "success",
  [0x6700] = "wrong length",
  [0x6982] = "security status not satisfied (app locked)",
  [0x6985] = "conditions of use not satisfied (command out of order)",
  [0x6986] = "command not allowed (no current EF)",
  [0x6A80] = "incorrect data in the command",
  [0x6A82] = "application or file not found",
  [0x6A86] = "incorrect P1/P2",
  [0x6A88] = "referenced data not found",
  [0x6B00] = "wrong parameters (offset outside the file)",
  [0x6D00] = "instruction not supported",
  [0x6E00] = "class not supported",
  [0x6F00] = "no precise diagnosis",
}

local function meaning(sw)
  if STATUS_WORDS[sw] then return STATUS_WORDS[sw] end
  local sw1, sw2 = math.floor(sw / 256), sw % 256
  if sw1 == 0x61 then return string.format("more data: %d bytes available (GET RESPONSE)", sw2 == 0 and 256 or sw2) end
  if sw1 == 0x6C then return string.format("wrong Le: exact length is %d", sw2 == 0 and 256 or sw2) end
  return "unknown"
end

local command_of_frame = {}

function apcv.dissector(tvb, pinfo, tree)
  local event = event_field()
  if event == nil then return end
  local data = apdu_of(tvb)
  if data == nil then return end
  if event.value == PCD_TO_PICC and data:len() >= 4 then
    local cla, ins, p1, p2 = data(0, 1):uint(), data(1, 1):uint(), data(2, 1):uint(), data(3, 1):uint()
    local name = INSTRUCTIONS[ins] or string.format("unknown instruction %02X", ins)
    command_of_frame[pinfo.number] = name
    local sub = tree:add(apcv, data, "APCV-R1 command: " .. name)
    sub:add(f_command, data(1, 1), name)
    sub:add(f_cla, data(0, 1))
    sub:add(f_ins, data(1, 1))
    sub:add(f_p1, data(2, 1))
    sub:add(f_p2, data(3, 1))
    pinfo.cols.info:set(string.format("%s (CLA=%02X INS=%02X P1=%02X P2=%02X)", name, cla, ins, p1, p2))
  elseif event.value == PICC_TO_PCD and data:len() >= 2 then
    local sw_range = data(data:len() - 2, 2)
    local sw = sw_range:uint()
    local resp_to = resp_to_field()
    local answers = resp_to and command_of_frame[resp_to.value] or "an unseen command"
    local sub = tree:add(apcv, data, string.format("APCV-R1 answer to %s: %04X %s", answers, sw, meaning(sw)))
    sub:add(f_answers, answers)
    sub:add(f_sw, sw_range)
    sub:add(f_meaning, sw_range, meaning(sw))
    pinfo.cols.info:set(string.format("%s answer: %04X %s", answers, sw, meaning(sw)))
  end
end

register_postdissector(apcv)
