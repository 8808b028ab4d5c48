import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsNotEmpty, IsObject, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { IntegerFromString, IsCurrencyCode, IsMetadata, IsMinorUnits } from '../../common/validation';

export class PayoutDestinationDto {
  @ApiProperty({ example: 'DE89 3704 0044 0532 0130 00', description: '4 to 64 letters, digits, spaces or dashes.' })
  @IsString()
  @Matches(/^[A-Za-z0-9 -]{4,64}$/, { message: 'bank_account must be 4 to 64 letters, digits, spaces or dashes' })
  bank_account: string;
}

export class CreatePayoutDto {
  @ApiProperty({ example: 'acct_3kT9…', description: 'The account the money leaves from.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(40)
  account: string;

  @ApiProperty({ type: 'integer', example: 2500, minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Minor units (cents).' })
  @IntegerFromString()
  @IsMinorUnits()
  amount: number;

  @ApiProperty({ example: 'usd' })
  @IsCurrencyCode()
  currency: string;

  @ApiProperty({ type: PayoutDestinationDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => PayoutDestinationDto)
  destination: PayoutDestinationDto;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  @IsOptional()
  @IsMetadata()
  metadata?: Record<string, string>;
}
