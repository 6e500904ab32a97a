// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.20;

/// A price feed for Vigil's local devnet with Chainlink's interface (AggregatorV3Interface and the
/// older latestAnswer/latestTimestamp), so that Vigil reads it exactly as it reads a real feed on a
/// real network: the answer, when it was last updated, and the past rounds it keeps.
/// Anyone may post an answer: it exists only on a local test chain the user runs.
contract DevnetPriceFeed {
    struct Round {
        int256 answer;
        uint64 updatedAt;
    }

    uint8 public immutable decimals;
    string public description;
    uint256 public constant version = 4;

    uint80 public latestRound;
    mapping(uint80 => Round) private rounds;

    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);
    event NewRound(uint256 indexed roundId, address indexed startedBy, uint256 startedAt);

    /// A feed with no rounds yet: the deployer posts its history with `postRounds`.
    constructor(uint8 decimals_, string memory description_) {
        decimals = decimals_;
        description = description_;
    }

    /// Posts a new round with the current block's time.
    function updateAnswer(int256 answer) external {
        _post(answer, block.timestamp);
    }

    /// Posts rounds with times of the caller's choosing (in order, none in the future), so that
    /// a devnet can lay down a price history in one transaction.
    function postRounds(int256[] calldata answers, uint256[] calldata times) external {
        require(answers.length == times.length, "DevnetPriceFeed: one time per answer");
        for (uint256 i = 0; i < answers.length; i++) {
            require(times[i] <= block.timestamp, "DevnetPriceFeed: time in the future");
            require(times[i] >= rounds[latestRound].updatedAt, "DevnetPriceFeed: time before the last round");
            _post(answers[i], times[i]);
        }
    }

    function latestAnswer() external view returns (int256) {
        return rounds[latestRound].answer;
    }

    function latestTimestamp() external view returns (uint256) {
        return rounds[latestRound].updatedAt;
    }

    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        return getRoundData(latestRound);
    }

    function getRoundData(uint80 roundId)
        public
        view
        returns (uint80, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        Round memory round = rounds[roundId];
        require(round.updatedAt != 0, "No data present");
        return (roundId, round.answer, round.updatedAt, round.updatedAt, roundId);
    }

    function _post(int256 answer, uint256 updatedAt) private {
        require(answer > 0, "DevnetPriceFeed: answer must be positive");
        uint80 roundId = latestRound + 1;
        latestRound = roundId;
        rounds[roundId] = Round(answer, uint64(updatedAt));
        emit NewRound(roundId, msg.sender, updatedAt);
        emit AnswerUpdated(answer, roundId, updatedAt);
    }
}
